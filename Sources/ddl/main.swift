import DDLCommands

DDL.main()
