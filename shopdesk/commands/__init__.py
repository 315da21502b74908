"""The CLI's command handlers: ``async def handler(settings, args) -> exit status``."""
