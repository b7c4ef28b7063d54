"""Hardening: proxies, TLS and hostile answers, each proved with a real component (tinyproxy, openssl, a TLS
server on loopback, the real recorded answers mutated by hypothesis)."""
