"""nanoGPT-style training resume (karpathy/nanoGPT train.py, shortened): the checkpoint is a pickle."""
import os

import torch

out_dir = "out"
device = "cpu"
ckpt_path = os.path.join(out_dir, "ckpt.pt")
checkpoint = torch.load(ckpt_path, map_location=device)
state = torch.load(ckpt_path, map_location=device, weights_only=True)  # safe: only tensors
