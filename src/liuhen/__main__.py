from liuhen.bot.cli import main

main()
