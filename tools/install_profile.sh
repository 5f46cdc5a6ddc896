#!/usr/bin/env bash
# Make `snakemake --profile NAME` find this checkout's profiles/PROFILE from any directory:
#   bash tools/install_profile.sh [PROFILE [NAME]]   (make install-profile [PROFILE=slurm-gres] [PROFILE_NAME=...])
# Snakemake looks a bare profile name up in the working directory, then in
# $XDG_CONFIG_HOME/snakemake (~/.config/snakemake) and /etc/xdg/snakemake, never in
# profiles/. This links profiles/PROFILE there as NAME (default: PROFILE). Idempotent; it
# never replaces a different profile of that name. `snakemake --workflow-profile PROFILE`
# finds profiles/PROFILE with no link at all.
set -euo pipefail
profile=${1:-slurm}
name=${2:-$profile}
repo=$(cd "$(dirname "$0")/.." && pwd -P)
src=$repo/profiles/$profile
dir=${XDG_CONFIG_HOME:-$HOME/.config}/snakemake
dest=$dir/$name

if [ ! -f "$src/config.yaml" ]; then
  echo "install-profile: no profile '$profile' in $repo/profiles (there are: $(ls "$repo/profiles" | xargs))" >&2
  exit 2
fi
if [ -L "$dest" ] && [ "$(cd "$dest" 2>/dev/null && pwd -P)" = "$src" ]; then
  echo "install-profile: $dest already links to $src: \`snakemake --profile $name\` uses it"
  exit 0
fi
if [ -e "$dest" ] || [ -L "$dest" ]; then
  if [ -L "$dest" ]; then was="a link to $(readlink "$dest")"; else was="another profile"; fi
  cat >&2 <<MSG
install-profile: $dest is $was, not this checkout's profiles/$profile; left as it is.
  fix: from the checkout run \`snakemake --workflow-profile $profile\`, which needs no link;
       or install this one under another name: make install-profile PROFILE=$profile PROFILE_NAME=nlpbench-$profile;
       or move $dest away and run make install-profile again.
MSG
  exit 1
fi
mkdir -p "$dir"
ln -s "$src" "$dest"
echo "install-profile: linked $dest -> $src: \`snakemake --profile $name\` finds it from any directory"
