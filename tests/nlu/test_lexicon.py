"""The jieba user dictionary in data/jieba is generated from the ledger catalogue."""
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_dictionary_is_current_with_the_seeded_ledger(tmp_path):
    env = {"BOT_VAR_DIR": str(tmp_path), "LEDGER_URL": f"sqlite:///{tmp_path}/ledger.db",
           "PATH": "/usr/bin:/bin"}
    subprocess.run([BIN / "bot", "ledger", "seed"], env=env, check=True, capture_output=True)
    out = subprocess.run([BIN / "bot", "nlu", "dictionary", "--check"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_lexicon_labels_and_values(ledger):
    from bot.ledger import seed
    from bot.nlu.lexicon import build_lexicon
    from tests.conftest import NOW
    with ledger.Session.begin() as s:
        seed.seed(s, NOW)
    with ledger.Session() as s:
        terms = {t.text: t for t in build_lexicon(s)}
    assert terms["布洛芬"].label == "drug"
    assert terms["芬必得"].value == "布洛芬"
    assert terms["猫咪"].value == "cat"
    assert terms["朝阳"].value == "朝阳区"
    assert terms["iPhone 12"].label == "product"
    assert terms["华为"].label == "brand"
