"""A Discord bot, console chat and CLI that answer freelancers' JSS questions from reviewed knowledge."""
