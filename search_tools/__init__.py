"""Tools outside the runtime package: NER training and reports, ranking evaluation, synthetic corpora."""
