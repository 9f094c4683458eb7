"""The web application: the FastAPI app factory, the JSON API, the chat page and the agent console."""
