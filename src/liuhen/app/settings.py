"""Settings: environment variables ``LIUHEN_*`` and a ``.env`` file (docs/architecture.md external interface).

The only module that reads settings; everything else receives a ``Settings`` object.
"""

from __future__ import annotations

from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from liuhen.domain.model import DeadlineProfile
from liuhen.domain.monthly import Policy


class TokenMissing(RuntimeError):
    """No bot token (``LIUHEN_TELEGRAM_TOKEN``, from @BotFather) where one is needed."""


#: The latest signed head, kept beside the data (a copy outside the database; `liuhen verify --against`).
SIGNED_HEAD_FILE = "signed-head.json"


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
    court_name: str | None = Field(
        default=None,
        description="Name of this deployment's court; unset: the door's word for 'this court' (texts.labels)",
    )
    deadline_profile: DeadlineProfile = Field(default=DeadlineProfile.COURT)
    draft_join_minutes: int = Field(default=30, ge=0, le=24 * 60, description="Evidence joins the open draft")
    download_retry_seconds: float = Field(
        default=30.0, gt=0, description="Background retry of failed downloads"
    )
    reminder_check_seconds: float = Field(
        default=300.0, gt=0, description="How often due reminders are looked for"
    )
    download_max_attempts: int = Field(default=10, ge=1)
    # the seeds set no deadline for an investigation or a clarification (seed 004 §17(2), §20): the court's
    investigation_workdays: int = Field(
        default=30, ge=1, le=250, description="Working days for an investigation of own staff"
    )
    clarification_workdays: int = Field(
        default=10, ge=1, le=250, description="Working days to clarify a false record"
    )
    # the list of 特别报告事项 (special report items)
    special_items_profile: str = Field(
        default="court",
        description="Special report items: court (seed 001, 15 items), county (seed 002), procuratorate",
    )
    enrolment_code_days: int = Field(default=7, ge=1, le=90)
    rate_limit: bool = Field(
        default=True, description="Keep to Telegram's limits (30 messages/s); off only against the sandbox"
    )
    # seed 001 实施办法 §9
    complaint_upward: bool = Field(
        default=False, description="/complaint also reaches the discipline office of the court above"
    )
    # the desk console (`liuhen web`, `liuhen run --web`): where it listens, and its address as people open it
    web_host: str = Field(default="127.0.0.1", description="The desk console listens here")
    web_port: int = Field(default=8081, ge=1, le=65535)
    web_url: str | None = Field(
        default=None,
        description="The desk console's address for /desk links (behind a proxy: its public https address)",
    )
    web_trust_proxy: bool = Field(
        default=False, description="Honour X-Forwarded-Proto/Host from the reverse proxy in front"
    )
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=False, description="JSON log lines (production)")
    # monthly reports and zero reports (seed 003 §13, §20)
    monthly_auto: bool = Field(default=True, description="Ask the monthly report on schedule")
    monthly_prompt_workday: int = Field(default=1, ge=1, le=20, description="Asked on this workday of M+1")
    monthly_prompt_time: dt_time = Field(default=dt_time(9, 0), description="Local time of prompt, reminders")
    monthly_remind_after_workdays: int = Field(default=3, ge=0, le=20, description="First reminder; 0: none")
    monthly_final_reminder: bool = Field(default=True, description="A reminder the day before the deadline")
    monthly_deadline_workday: int = Field(default=5, ge=1, le=20, description="Due by end of this workday")
    monthly_suspicious_months: int = Field(default=6, ge=1, le=36, description="Only zero reports this long…")
    monthly_suspicious_cases: int = Field(default=10, ge=0, description="…while handling this many cases")
    monthly_check_seconds: float = Field(default=60.0, gt=0, description="How often the schedule is read")
    monthly_send_rate: float = Field(default=29.0, gt=0, le=30, description="Broadcast messages per second")
    monthly_send_workers: int = Field(default=4, ge=1, le=32, description="Concurrent broadcast requests")
    # keys outside the database, checkpoints, trusted timestamps
    key_dir: Path | None = Field(
        default=None, description="Checkpoint signing key and public keys; default <data_dir>/keys"
    )
    evidence_key_file: Path | None = Field(
        default=None, description="Evidence keyring (secretstream at rest); default <key_dir>/evidence.keys"
    )
    checkpoint_seconds: float = Field(
        default=24 * 3600.0, gt=0, description="A signed ledger checkpoint when the last is older than this"
    )
    signed_head_to_discipline: bool = Field(
        default=True, description="Send each new signed head to the discipline officers' chats as a document"
    )
    tsa_url: str | None = Field(default=None, description="RFC 3161 timestamp authority for checkpoints")
    tsa_ca_file: Path | None = Field(default=None, description="PEM root certificate(s) of the TSA")
    # webhook mode (`liuhen run --webhook`; the options override these)
    webhook_listen: str = Field(default="127.0.0.1:8088", description="HOST:PORT our webhook server binds")
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL Telegram posts updates to")
    webhook_secret_token: SecretStr | None = Field(
        default=None, description="X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -); never logged"
    )
    webhook_drain_seconds: float = Field(
        default=30.0, gt=0, description="On SIGTERM, wait this long for the updates stored here to be handled"
    )
    webhook_max_connections: int = Field(
        default=100,
        ge=1,
        le=100,
        description="Telegram's max_connections (1-100): how many chats' updates it posts at once",
    )
    # the documents' faces (GB/T 9704, 党政机关公文格式: body 仿宋, first-level headings 黑体, second-level
    # 楷体): font files the deployment provides (TTF/TTC); without them every text is in STSong-Light
    pdf_font_fangsong: Path | None = Field(default=None, description="FangSong font file: the body")
    pdf_font_heiti: Path | None = Field(default=None, description="Heiti font file: first-level headings")
    pdf_font_kaiti: Path | None = Field(default=None, description="Kaiti font file: second-level headings")
    # the WeCom (企业微信) door: a self-built application (`liuhen run --channel wecom`); never logged
    wecom_corp_id: str | None = Field(default=None, description="The enterprise's CorpID (ww…)")
    wecom_agent_id: int | None = Field(default=None, description="The self-built application's AgentId")
    wecom_secret: SecretStr | None = Field(default=None, description="The application's Secret")
    wecom_token: SecretStr | None = Field(default=None, description="The callback's Token (signatures)")
    wecom_aes_key: SecretStr | None = Field(
        default=None, description="The callback's EncodingAESKey (43 characters)"
    )
    wecom_api_base_url: str = Field(
        default="https://qyapi.weixin.qq.com", description="WeCom's API host; a sandbox's address in tests"
    )
    wecom_listen: str = Field(default="127.0.0.1:8089", description="HOST:PORT the WeCom callback binds")

    @property
    def keys_path(self) -> Path:
        return self.key_dir or self.data_dir / "keys"

    @property
    def evidence_keyring_path(self) -> Path:
        return self.evidence_key_file or self.keys_path / "evidence.keys"

    @property
    def database_file(self) -> Path | None:
        """The embedded SQLite database's file; None when ``LIUHEN_DATABASE_URL`` names another database."""
        return None if self.database_url else self.data_dir / "liuhen.db"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'liuhen.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def desk_url(self) -> str:
        """The desk console's base address as people open it (no trailing slash)."""
        return (self.web_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    def wecom_missing(self) -> list[str]:
        """The WeCom settings a deployment on WeCom lacks (their environment variables' names)."""
        needed = {
            "LIUHEN_WECOM_CORP_ID": self.wecom_corp_id,
            "LIUHEN_WECOM_AGENT_ID": self.wecom_agent_id,
            "LIUHEN_WECOM_SECRET": self.wecom_secret,
            "LIUHEN_WECOM_TOKEN": self.wecom_token,
            "LIUHEN_WECOM_AES_KEY": self.wecom_aes_key,
        }
        return [name for name, value in needed.items() if value is None]

    def token_value(self) -> str:
        """The bot token; the doors that need one check ``telegram_token`` first and tell the operator."""
        if self.telegram_token is None:
            raise TokenMissing("LIUHEN_TELEGRAM_TOKEN")
        return self.telegram_token.get_secret_value()


def policy_of(settings: Settings) -> Policy:
    """The monthly policy from the settings (``LIUHEN_MONTHLY_*``)."""
    return Policy(
        prompt_workday=settings.monthly_prompt_workday,
        prompt_time=settings.monthly_prompt_time,
        remind_after_workdays=settings.monthly_remind_after_workdays,
        final_reminder=settings.monthly_final_reminder,
        deadline_workday=settings.monthly_deadline_workday,
        suspicious_months=settings.monthly_suspicious_months,
        suspicious_cases=settings.monthly_suspicious_cases,
    )
