"""The ceiling: the smallest Flask app, served by gunicorn exactly like Stride in the benchmark."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
