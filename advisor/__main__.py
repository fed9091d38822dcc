from advisor.launcher import entry

entry()
