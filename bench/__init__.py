"""`python -m bench`: confscope against libyaml, its peers and its targets (see __main__)."""
