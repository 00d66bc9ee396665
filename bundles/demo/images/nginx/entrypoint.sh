#!/bin/sh
# nginx entrypoint: renders /etc/nginx/conf.d/default.conf from
#   NGINX_UPSTREAM     where requests go (http://host:port)            default http://app:8080
#   NGINX_SERVER_NAME  server_name                                       default _
#   NGINX_TLS_CERT / NGINX_TLS_KEY  certificate and key (mounted later)  /etc/nginx/tls/tls.{crt,key}
#   NGINX_IPV6=on      also listen on [::]
# Port 80 answers /healthz and redirects everything else to HTTPS.
set -eu

if [ "${1:-}" = nginx ]; then
  upstream=${NGINX_UPSTREAM:-http://app:8080}
  name=${NGINX_SERVER_NAME:-_}
  cert=${NGINX_TLS_CERT:-/etc/nginx/tls/tls.crt}
  key=${NGINX_TLS_KEY:-/etc/nginx/tls/tls.key}
  # Values go into the config verbatim, so only accept plain shapes.
  echo "$upstream" | grep -Eq '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$' || { echo "nginx: NGINX_UPSTREAM must look like http://host:port" >&2; exit 1; }
  echo "$name" | grep -Eq '^[A-Za-z0-9._* -]+$' || { echo "nginx: NGINX_SERVER_NAME has unexpected characters" >&2; exit 1; }
  for f in "$cert" "$key"; do
    echo "$f" | grep -Eq '^/[A-Za-z0-9._/-]+$' || { echo "nginx: certificate paths must be plain absolute paths" >&2; exit 1; }
    [ -r "$f" ] || { echo "nginx: $f is missing; mount the site certificate and key (see NGINX_TLS_CERT/NGINX_TLS_KEY)" >&2; exit 1; }
  done
  listen6=''
  listen6s=''
  if [ "${NGINX_IPV6:-off}" = on ]; then
    listen6='listen [::]:80 default_server;'
    listen6s='listen [::]:443 ssl http2 default_server;'
  fi
  cat >/etc/nginx/conf.d/default.conf <<CONF
server {
    listen 80 default_server;
    $listen6
    server_name $name;
    location = /healthz { access_log off; default_type text/plain; return 200 "ok\n"; }
    location / { return 301 https://\$host\$request_uri; }
}

server {
    listen 443 ssl http2 default_server;
    $listen6s
    server_name $name;
    ssl_certificate     $cert;
    ssl_certificate_key $key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1h;
    add_header Strict-Transport-Security "max-age=31536000" always;
    add_header X-Content-Type-Options nosniff always;
    client_max_body_size 10m;
    server_tokens off;

    location / {
        proxy_pass $upstream;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto https;
        proxy_read_timeout 60s;
    }
}
CONF
  nginx -t -q
fi

exec "$@"
