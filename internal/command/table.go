package command

// The one command table. Each group file declares its commands; nothing else lists commands.
func init() {
	register(
		connectionCommands,
		serverCommands,
		persistenceCommands,
		transactionCommands,
		pubsubCommands,
		aclCommands,
		scriptingCommands,
		keyCommands,
		stringCommands,
		bitmapCommands,
		hashCommands,
		setCommands,
		streamCommands,
		listCommands,
		hllCommands,
		sortCommands,
		zsetCommands,
		geoCommands,
		dumpCommands,
	)
}
