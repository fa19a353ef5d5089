"""A small model server: Hugging Face downloads and classic model pickles."""
import pickle

import joblib
import numpy as np
from transformers import AutoModel, AutoTokenizer

model = AutoModel.from_pretrained("gpt2")  # no revision: whatever the repo holds today
pinned = AutoTokenizer.from_pretrained("gpt2", revision="607a30d783dfa663caf39e06633721c8d4cfcd7e")
model_path = "models/classifier.pkl"
with open(model_path, "rb") as handle:
    classifier = pickle.load(handle)
scaler = joblib.load("models/scaler.joblib")
embeddings = np.load("models/weights.npy", allow_pickle=True)
cache = pickle.loads(b"")  # not a model path: bandit's own medium B301 only
exec(open("model_code.py").read())
