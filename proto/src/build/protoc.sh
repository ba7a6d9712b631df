#!/usr/bin/env bash
# Compiles our internal .proto files. Temporal API imports resolve from the descriptor set, not from .proto copies.
set -euo pipefail
bin=$1 descriptors=$2 src=$3 out=$4
chmod +x "$bin/protoc" "$bin/protoc-gen-grpc-java"
rm -rf "$out" && mkdir -p "$out/java" "$out/grpc"
mapfile -t files < <(cd "$src" && find . -name '*.proto' | sed 's|^\./||' | sort)
"$bin/protoc" \
  --descriptor_set_in="$descriptors" \
  --proto_path="$src" \
  --plugin=protoc-gen-grpc-java="$bin/protoc-gen-grpc-java" \
  --java_out="$out/java" \
  --grpc-java_out="$out/grpc" \
  "${files[@]}"
echo "protoc: compiled ${#files[@]} internal proto files"
