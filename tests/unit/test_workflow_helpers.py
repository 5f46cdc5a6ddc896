from nlpbench.core.workflow import torchrun_cmd


def test_torchrun_line_is_standalone_with_nproc():
    assert torchrun_cmd("scripts/train.py", 2) == "torchrun --standalone --nproc_per_node=2 scripts/train.py"


def test_torchrun_line_keeps_a_snakemake_placeholder_for_the_profile():
    assert "--nproc_per_node={resources.nproc}" in torchrun_cmd("s.py", "{resources.nproc}")
