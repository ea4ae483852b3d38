-- Debian's Prosody as a benchmark peer for bench/peers (written into a temporary directory by
-- prosody.server.ts, which replaces @DIR@): c2s on 127.0.0.1:25223 without TLS, in-band
-- registration from loopback, accounts in memory, no offline storage, no archive, no stream
-- management, no server-to-server, no HTTP — the same shape as ejabberd.yml beside it.
data_path = "@DIR@/data"
certificates = "@DIR@/certs"
log = { warn = "@DIR@/prosody.log" }
network_settings = { tcp_backlog = 1024 }

c2s_ports = { 25223 }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { }

c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
min_seconds_between_registrations = 0
authentication = "internal_plain"
storage = "memory"

modules_enabled = { "roster", "saslauth", "disco", "register", "ping" }
modules_disabled = { "offline", "s2s", "tls" }

VirtualHost "localhost"
