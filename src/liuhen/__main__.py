from liuhen.launch import main

main()
