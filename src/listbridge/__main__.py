from listbridge.cli.main import main

main()
