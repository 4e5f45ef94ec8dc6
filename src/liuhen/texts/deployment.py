"""What the command line says about the deployment itself before it loads any of the core (so that saying
it stays fast): a data directory or database that was never initialised."""

from __future__ import annotations

from pathlib import Path


def not_initialised(data_dir: Path, *, own_database: bool) -> str:
    """`liuhen verify` where nothing was ever initialised: it says so and creates nothing."""
    where = (
        "LIUHEN_DATABASE_URL 指向的数据库中没有留痕的数据"
        if own_database
        else f"数据目录 {data_dir} 中没有数据库"
    )
    return (
        f"{where}：这里从未初始化过，没有可核验的内容。"
        "请先运行 liuhen init，或检查 LIUHEN_DATA_DIR / LIUHEN_DATABASE_URL。"
    )
