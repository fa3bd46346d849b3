"""LOCAL4ACTION Hub bot: the platform-free core (programme, zones, store, i18n, commands)."""
