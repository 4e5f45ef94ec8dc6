"""Settings: environment variables ``LIUHEN_*`` and a ``.env`` file (DESIGN.md external interface).

The only module that reads settings; everything else receives a ``Settings`` object.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from liuhen.domain.model import DeadlineProfile


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIUHEN_", env_file=".env", extra="ignore")

    telegram_token: SecretStr | None = Field(default=None, description="Bot token from @BotFather")
    telegram_base_url: str = Field(default="https://api.telegram.org/bot", description="PTB base_url")
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot", description="PTB base_file_url"
    )
    bot_username: str | None = Field(
        default=None, description="For t.me deep links; asked of getMe when unset"
    )
    database_url: str | None = Field(default=None, description="Default: SQLite in the data directory")
    data_dir: Path = Field(default=Path("var"), description="Evidence files, the SQLite database, keys")
    timezone: str = Field(default="Asia/Shanghai", description="Shown to users; storage is UTC")
    court_code: str = Field(default="default", description="Code of this deployment's court")
    court_name: str = Field(default="本院", description="Name of this deployment's court")
    deadline_profile: DeadlineProfile = Field(default=DeadlineProfile.COURT)
    draft_join_minutes: int = Field(default=30, ge=0, le=24 * 60, description="Evidence joins the open draft")
    download_retry_seconds: float = Field(
        default=30.0, gt=0, description="Background retry of failed downloads"
    )
    reminder_check_seconds: float = Field(
        default=300.0, gt=0, description="How often due reminders are looked for"
    )
    download_max_attempts: int = Field(default=10, ge=1)
    special_items_profile: str = Field(
        default="court",
        description="特别报告事项 list: court (seed 001, 15 items), county (seed 002), procuratorate",
    )
    enrolment_code_days: int = Field(default=7, ge=1, le=90)
    rate_limit: bool = Field(
        default=True, description="Keep to Telegram's limits (30 messages/s); off only against the sandbox"
    )
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=False, description="JSON log lines (production)")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'liuhen.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token_value(self) -> str:
        if self.telegram_token is None:
            raise RuntimeError("LIUHEN_TELEGRAM_TOKEN 未设置：生产运行需要 @BotFather 发放的机器人令牌")
        return self.telegram_token.get_secret_value()
