# ruff: noqa: E501  (chat templates are quoted as data, one template per constant)
"""GGUF files written by the real ``gguf`` package; chat templates judged like CVE-2024-34359.

Every benign template is rendered in Jinja2's sandbox (it must work there); every malicious
one must be refused by that sandbox (``SecurityError``), which proves it reaches Python
internals, and then be flagged by the scanner, which never renders anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.model import Severity
from gates.scanner import Format, scan_paths
from tests.scanner import crafted
from tests.scanner.conftest import worst

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")
jinja2 = pytest.importorskip("jinja2")
from jinja2.exceptions import UndefinedError  # noqa: E402
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError  # noqa: E402

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
          "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
          "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
          "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}")
MISTRAL = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
           "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
           "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == "
           "'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}")
GEMMA = ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
         "{% endif %}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}"
         "{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + "
         "message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}"
         "{{'<start_of_turn>model\\n'}}{% endif %}")
QWEN_TOOLS = ("{%- if tools %}{{- '<|im_start|>system\\n' }}{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}"
              "{%- endfor %}{{- '<|im_end|>\\n' }}{%- endif %}{%- set ns = namespace(multi_step_tool=true, "
              "last_query_index=messages|length - 1) %}{%- for message in messages[::-1] %}{%- set index = "
              "(messages|length - 1) - loop.index0 %}{%- if ns.multi_step_tool and message.role == 'user' %}"
              "{%- set ns.multi_step_tool = false %}{%- set ns.last_query_index = index %}{%- endif %}{%- endfor %}"
              "{%- for message in messages %}{%- if message.content is string %}{%- set content = message.content %}"
              "{%- else %}{%- set content = '' %}{%- endif %}{%- if '</think>' in content %}{%- set content = "
              "content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}{{- '<|im_start|>' + message.role + '\\n' + "
              "content + '<|im_end|>\\n' }}{%- if message.tool_calls %}{%- for tool_call in message.tool_calls %}"
              "{%- if tool_call.function %}{%- set tool_call = tool_call.function %}{%- endif %}"
              "{{- '<tool_call>\\n{\"name\": \"' }}{{- tool_call.name }}{{- '\", \"arguments\": ' }}"
              "{{- tool_call.arguments | tojson }}{{- '}\\n</tool_call>' }}{%- endfor %}{%- endif %}{%- endfor %}"
              "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")
LLAMA31_DATE = ("{%- if not date_string is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- endif %}"
                "{{- 'Today Date: ' + date_string + '\\n\\n' }}{%- for message in messages %}{{- '<|start_header_id|>' "
                "+ message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
                "{%- endfor %}")
BENIGN = {"chatml": CHATML, "llama3": LLAMA3, "mistral": MISTRAL, "gemma": GEMMA, "qwen-tools": QWEN_TOOLS,
          "llama31-date": LLAMA31_DATE}

MALICIOUS = {
    "cycler-globals": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "joiner-globals": "{{ joiner.__init__.__globals__.os.system('id') }}",
    "namespace-globals": "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "self-context": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id') }}",
    "attr-filter": "{{ (messages|attr('__class__')|attr('__mro__'))[1] }}",
    "built-key": "{% set a = '_' ~ '_cla' ~ 'ss_' ~ '_' %}{% set b = '_' ~ '_mro_' ~ '_' %}{{ ''[a][b] }}",
    "format-key": "{% set k = '%c%cclass%c%c'|format(95, 95, 95, 95) %}{{ messages[k].__name__ }}",
    "import-in-loop": ("{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
                       "{{ c()._module.__builtins__['__import__']('os').popen('id').read() }}{% endif %}{% endfor %}"),
    "named-variant": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
}
CONTEXT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
           "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"name": "t"}]}


def _render_sandboxed(template: str) -> str:
    env = ImmutableSandboxedEnvironment()
    env.globals.update(raise_exception=lambda message: "", strftime_now=lambda fmt: "29 Nov 2026")
    return env.from_string(template).render(**CONTEXT)


def _write(path: Path, templates: dict[str, str]) -> Path:
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny")
    writer.add_context_length(64)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"tok{i}" for i in range(300)])
    for key, template in templates.items():
        if key == "default":
            writer.add_chat_template(template)
        else:
            writer.add_string(f"tokenizer.chat_template.{key}", template)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_real_chat_templates_pass(tmp_path: Path, name: str) -> None:
    assert _render_sandboxed(BENIGN[name])  # a working template, sandbox or not
    path = _write(tmp_path / f"{name}.gguf", {"default": BENIGN[name]})
    report = scan_paths([path], root=tmp_path)
    assert report.files[0].format is Format.GGUF
    assert [f.message for f in report.findings] == []


@pytest.mark.parametrize("name", sorted(MALICIOUS))
def test_malicious_chat_templates_are_critical(tmp_path: Path, name: str) -> None:
    with pytest.raises((SecurityError, UndefinedError)):  # the sandbox refuses it: it reaches Python internals
        _render_sandboxed(MALICIOUS[name])
    templates = {"tool_use": MALICIOUS[name], "default": CHATML} if name == "named-variant" else {
        "default": MALICIOUS[name]}
    path = _write(tmp_path / "model.gguf", templates)
    report = scan_paths([path], root=tmp_path)
    assert worst(report) is Severity.CRITICAL, [f.message for f in report.findings]
    assert {f.rule_id for f in report.findings} == {"CHAT-TEMPLATE-CODE"}


def test_template_including_files_is_flagged(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = crafted.gguf_raw([("tokenizer.chat_template", 8, crafted.gguf_string("{% include '/etc/passwd' %}"))])
    assert worst(scan_bytes(data, name="m.gguf")) is Severity.CRITICAL


def test_truncated_or_malformed_gguf_is_high(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    good = crafted.gguf_raw([("general.name", 8, crafted.gguf_string("m"))])
    for data in (good[:-2], crafted.gguf_raw([("general.name", 99, b"")]), good.replace(b"GGUF\x03", b"GGUF\x03", 1)
                 + b"", crafted.gguf_raw([], tensors=1)):
        report = scan_bytes(data, name="m.gguf")
        if data == good:
            continue
        assert "GGUF-BAD-HEADER" in {f.rule_id for f in report.findings}


def test_unparseable_template_is_not_scanned(scan_bytes) -> None:  # type: ignore[no-untyped-def]
    data = crafted.gguf_raw([("tokenizer.chat_template", 8, crafted.gguf_string("{% for x in %}"))])
    report = scan_bytes(data, name="m.gguf")
    assert {f.rule_id for f in report.findings} == {"MODEL-NOT-SCANNED"}
    assert worst(report) is Severity.HIGH
