#!/usr/bin/env bash
# Creates the demo tenant once (a tenant, two applications and two connections on the outbox
# provider; their ids are kept in .local/demo.env) and prints the commands a newcomer runs to
# sign in with a code and with a link. Called by up.sh with BIN and GATEWAY_PORT set and the
# environment exported.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${BIN:?}" "${GATEWAY_PORT:?}"
OUTBOX="$STATE/outbox"
mkdir -p "$OUTBOX"
if [[ ! -s "$STATE/demo.env" ]]; then
    log "creating the demo tenant"
    admin="$BIN/passwordless-admin"
    "$admin" tenant create --name demo --domain demo.localhost >/dev/null
    client_id="$("$admin" client create --tenant demo --name "Demo app" --json | sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')"
    "$admin" connection create --tenant demo --strategy sms --provider outbox --outbox-file "$OUTBOX/sms.jsonl" >/dev/null
    "$admin" connection create --tenant demo --strategy email --provider outbox --outbox-file "$OUTBOX/email.jsonl" >/dev/null
    printf 'DEMO_CLIENT_ID=%s\n' "$client_id" >"$STATE/demo.env"
fi
# shellcheck disable=SC1091
source "$STATE/demo.env"
# The single-page app of the link walkthrough (added to demo tenants made before links existed).
callback="http://localhost:3000/callback"
if [[ -z "${DEMO_SPA_CLIENT_ID:-}" ]]; then
    DEMO_SPA_CLIENT_ID="$("$BIN/passwordless-admin" client create --tenant demo --name "Demo single-page app" --type public \
        --callbacks "$callback" --json | sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')"
    printf 'DEMO_SPA_CLIENT_ID=%s\n' "$DEMO_SPA_CLIENT_ID" >>"$STATE/demo.env"
fi
# A PKCE pair, as the app would make one: the challenge goes in the link, the verifier stays with the app.
verifier="$(openssl rand -hex 32)"
challenge="$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')"
base="http://127.0.0.1:$GATEWAY_PORT"
grant="http://auth0.com/oauth/grant-type/passwordless/otp"

cat <<EOF
Sign in with the demo tenant (its messages go to $OUTBOX/*.jsonl instead of a real provider):

  # 1. ask for a code by email
  curl -s $base/passwordless/start -H 'Content-Type: application/json' \\
    -d '{"client_id":"$DEMO_CLIENT_ID","connection":"email","email":"you@example.com","send":"code"}'

  # 2. read the code from the outbox
  tail -n 1 $OUTBOX/email.jsonl

  # 3. exchange it for tokens (put the code in place of 123456)
  curl -s $base/oauth/token -H 'Content-Type: application/json' \\
    -d '{"grant_type":"$grant","client_id":"$DEMO_CLIENT_ID","username":"you@example.com","otp":"123456","realm":"email","scope":"openid email"}'

SMS works the same way: "connection":"sms", "phone_number":"+14155550100", realm "sms"; codes land in $OUTBOX/sms.jsonl.

Or sign in with a link, as Auth0's SDKs do by default for email:

  # 1. ask for a link (the app's PKCE challenge and state travel in authParams)
  curl -s $base/passwordless/start -H 'Content-Type: application/json' \
    -d '{"client_id":"$DEMO_SPA_CLIENT_ID","connection":"email","email":"you@example.com","send":"link","authParams":{"response_type":"code","redirect_uri":"$callback","scope":"openid email","state":"demo","code_challenge":"$challenge","code_challenge_method":"S256"}}'

  # 2. open the link from the outbox in a browser and press Continue; the browser goes to
  #    $callback?code=…&state=demo (nothing listens there in the demo: copy the code from the address bar)
  tail -n 1 $OUTBOX/email.jsonl

  # 3. exchange the code as the app would (put it in place of CODE)
  curl -s $base/oauth/token -H 'Content-Type: application/json' \
    -d '{"grant_type":"authorization_code","client_id":"$DEMO_SPA_CLIENT_ID","code":"CODE","redirect_uri":"$callback","code_verifier":"$verifier"}'
EOF
