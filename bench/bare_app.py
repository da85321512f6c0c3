"""The floor for the web benchmark: a bare Flask endpoint answering from a dict (gunicorn bare_app:app)."""

from flask import Flask, jsonify, request

app = Flask(__name__)
TABLE = {"hruscsovval": {"id": "khrushchev-nikita", "native": "Никита Сергеевич Хрущёв"}}


@app.get("/api/v1/lookup")
def lookup():
    q = request.args.get("q", "")
    return jsonify(query=q, best=TABLE.get(q.lower()), candidates=[])
