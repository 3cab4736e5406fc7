"""benchmarks/import_profile.py: a reindex's py-spy stacks sorted into where the time goes (issue 20)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.import_profile import main, read

RAW = """\
process 1:"search reindex";<module> (search:8);reindex (search/engine/whoosh/indexer.py:161);SegmentWriter.commit (whoosh/writing.py:927);W3PostingsWriter._write_block (whoosh/codec/whoosh3.py:771) 30
process 1:"search reindex";<module> (search:8);reindex (search/engine/whoosh/indexer.py:161);SegmentWriter.add_document (whoosh/writing.py:750);ChunkedPostingPool.add (search/engine/whoosh/segments.py:60) 10
process 2:"worker";_process_worker (concurrent/futures/process.py:261);Language.pipe (spacy/language.py:1618);_pipe (spacy/util.py:1763) 40
process 2:"worker";_process_worker (concurrent/futures/process.py:261);analyze (search/text/analysis.py:173);_split (search/text/compounds.py:228) 15
process 2:"worker";_process_worker (concurrent/futures/process.py:261);analyze (search/text/analysis.py:176) 5
process 3:"worker";_process_worker (concurrent/futures/process.py:261);Condition.wait (threading.py:327) 99
"""


def test_stacks_go_to_the_first_bucket_and_waiting_is_left_out(tmp_path: Path, capsys) -> None:
    path = tmp_path / "import.txt"
    path.write_text(RAW, encoding="utf-8")
    counts = read(path)
    assert counts["waiting"] == 99
    assert counts["spaCy: tok2vec and NER"] == 40
    # our pool inside Whoosh's add_document is ours; a compound split inside the analysis is the split's
    assert counts["our posting pool (runs sorted, spilled, merged)"] == 10
    assert counts["compound splitting"] == 15 and counts["words, stems, folding"] == 5
    shares = main([str(path)])
    assert shares["spaCy: tok2vec and NER"] == 0.4 and "waiting" not in shares
    assert abs(sum(shares.values()) - 1.0) < 0.01
    assert "(99 waiting left out)" in capsys.readouterr().out
