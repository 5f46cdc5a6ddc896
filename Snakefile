"""nlpbench: recurrent vs transformer architectures on text generation (Part A)
and sentiment classification (Part B), from a laptop to a SLURM GPU cluster.

    snakemake --profile profiles/local --configfile demo/config.yaml   # the demo
    make install-profile && snakemake --profile slurm                   # the full study on SLURM
    snakemake --workflow-profile slurm                                 # the same, no install step

config.yaml names the study's inputs; every other key takes its default from
schemas/config.schema.yaml (listed in docs/config.md), and the whole config is
validated before any job runs.
"""

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/models.smk"
include: "rules/textgen.smk"
include: "rules/llm.smk"
include: "rules/classify.smk"
include: "rules/encoder.smk"
include: "rules/report.smk"


localrules:
    all,
    data,
    partA,
    partB,
    compare,


rule all:
    default_target: True
    input:
        all_targets(),


rule data:
    input:
        data_targets(),


rule partA:
    input:
        partA_targets(),


rule partB:
    input:
        partB_targets(),


rule compare:
    input:
        [f"{COMPARE}/{f}" for f in COMPARE_OUTPUTS],
