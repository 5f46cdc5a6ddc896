#!/usr/bin/env bash
# The job DAG and the rule graph of CONFIG, drawn (make dag):
#   SNAKEMAKE=.venv/bin/snakemake bash tools/draw_dag.sh CONFIG OUTDIR
# As SVG through graphviz's dot, installed when missing. Where it cannot be (no root
# on a cluster's login node), as Mermaid text (.mmd) instead, which GitHub, GitLab
# and https://mermaid.live draw. DOT names another dot.
set -euo pipefail
config=$1
out=$2
snakemake=${SNAKEMAKE:-snakemake}
dot=${DOT:-dot}
mkdir -p "$out"
if command -v "$dot" >/dev/null || { bash "$(dirname "$0")/apt-install.sh" graphviz && command -v "$dot" >/dev/null; }; then
  "$snakemake" --configfile "$config" --dag | "$dot" -Tsvg > "$out/dag.svg"
  "$snakemake" --configfile "$config" --rulegraph | "$dot" -Tsvg > "$out/rulegraph.svg"
  echo "wrote $out/dag.svg and $out/rulegraph.svg"
else
  "$snakemake" --configfile "$config" --dag mermaid-js > "$out/dag.mmd"
  "$snakemake" --configfile "$config" --rulegraph mermaid-js > "$out/rulegraph.mmd"
  echo "graphviz's dot is missing and cannot be installed here: wrote $out/dag.mmd and $out/rulegraph.mmd" \
    "(Mermaid: GitHub and GitLab draw it in a \`\`\`mermaid block, so does https://mermaid.live)"
fi
