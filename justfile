# Operator recipes. `just --list` shows them; the k3s deployment lives in the `temporal` module
# (just temporal::install, upgrade, uninstall, ...). Settings may come from .env.local.
set dotenv-load := true
set dotenv-filename := ".env.local"

mod temporal 'helm/justfile'

export KAIROS_IMAGE := env("KAIROS_IMAGE", "kairos/temporal-server:0.1.0")

[private]
default:
    @just --list --unsorted --list-submodules

# Build the server jar and the container image (docker/Dockerfile) as $KAIROS_IMAGE
image:
    mvn -B -ntp -DskipTests package -pl server -am
    docker build -f docker/Dockerfile -t "${KAIROS_IMAGE}" .

# Load $KAIROS_IMAGE into the local k3s node's containerd (no registry needed)
image-import-k3s:
    docker save "${KAIROS_IMAGE}" | sudo k3s ctr images import -
