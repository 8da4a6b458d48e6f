#!/usr/bin/env bash
# maven-lock.sh GROUP:ARTIFACT:VERSION... : prints the runtime class path of those artifacts (them and
# their dependencies, as Maven resolves them) as the `artifacts:` lines of an image recipe's maven step,
# each pinned by the SHA-256 of the jar Maven fetched into the local repository. Review the list (what
# the upstream distribution ships, e.g. a logging binding, may not be a Maven dependency) and paste it.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 GROUP:ARTIFACT:VERSION..." >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
  echo '<groupId>bcm.lock</groupId><artifactId>lock</artifactId><version>1</version><packaging>pom</packaging><dependencies>'
  for coordinates in "$@"; do
    IFS=: read -r group artifact version <<<"$coordinates"
    echo "<dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version></dependency>"
  done
  echo '</dependencies></project>'
} >"$work/pom.xml"
mvn -q -B -f "$work/pom.xml" dependency:list -DincludeScope=runtime -DoutputFile="$work/list" -DoutputAbsoluteArtifactFilename=true >&2
# lines: group:artifact:jar[:classifier]:version:scope:/path/to/file[ -- module ...]
grep -E '^ +[^ ]+:jar:' "$work/list" | sed 's/^ *//; s/ .*$//' | sort | while IFS= read -r line; do
  file=/${line#*:/}
  IFS=: read -r -a parts <<<"${line%%:/*}"
  if [ "${#parts[@]}" -eq 6 ]; then
    coordinates=${parts[0]}:${parts[1]}:${parts[4]}:${parts[3]}
  else
    coordinates=${parts[0]}:${parts[1]}:${parts[3]}
  fi
  echo "    - $coordinates sha256:$(sha256sum "$file" | cut -d' ' -f1)"
done
