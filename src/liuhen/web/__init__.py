"""The desk console: a web door beside the Telegram door, for the offices that act on the records at a
desk (seed 003 §12, seed 002 §6: 录入、查看、统计、分析 by level and role). It renders what the core's use
cases return (``app/usecases/desk.py`` and the others); no rule of the register lives here."""
