"""The WSGI entry point: the only place with start-up side effects."""

from dotenv import load_dotenv

from inspector import create_app

load_dotenv()
app = create_app()
