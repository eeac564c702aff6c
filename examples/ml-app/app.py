"""Seed example: a Flask app serving a tiny scikit-learn model (numpy inside)."""

import numpy as np
from flask import Flask, jsonify
from sklearn.linear_model import LinearRegression

app = Flask(__name__)
model = LinearRegression().fit(np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0]))


@app.get("/health")
def health() -> str:
    return "ok"


@app.get("/predict/<float:x>")
def predict(x: float):  # type: ignore[no-untyped-def]
    return jsonify(y=float(model.predict(np.array([[x]]))[0]))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
