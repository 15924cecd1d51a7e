# The TLS tunnel to a TLS-only Redis (k8s/components/redis-tls-tunnel): Debian 12's
# stunnel4 alone, run as the unprivileged user 65532 like every coopnet container. An image
# of its own, since stunnel4 brings systemd and perl, which the processes' image has no
# use for. Build from the checkout's root:
#
#   docker build -f deploy/docker/stunnel.Dockerfile -t coopnet-stunnel:0.1.0 .
FROM debian:12.11-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stunnel4 \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532
ENTRYPOINT ["stunnel"]
