from advisor.cli.launcher import entry

entry()
