"""The hostile-input table: every entry ends in its exit status with a clear message."""

from __future__ import annotations

import pytest

from hostile_inputs import HOSTILE, run


@pytest.mark.parametrize("argv,codes,words", [e[1:] for e in HOSTILE], ids=[e[0] for e in HOSTILE])
def test_hostile_input_ends_cleanly(argv, codes, words, tmp_path):
    code, text, _ = run(argv, tmp_path)
    assert code in codes, text[-2000:]
    assert "Traceback" not in text and "internal error" not in text
    assert words in text, text[-2000:]
    assert "\x1b" not in text  # control sequences are shown escaped, never sent to the terminal
    assert "pwned" not in text or "error" in text  # quoted back in a refusal, never executed
