"""The discord.py adapter: it translates between Discord and the service, and decides nothing itself."""
