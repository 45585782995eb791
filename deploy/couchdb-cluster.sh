#!/bin/sh
# Join couchdb1..3 into one cluster (run once; CouchDB's own /_cluster_setup API).
set -eu
C="http://$U:$P@couchdb1.grid:5984"
until curl -fs "$C/_up" >/dev/null; do sleep 2; done
for n in 2 3; do
  curl -fs -X POST -H 'Content-Type: application/json' "$C/_cluster_setup" \
    -d "{\"action\":\"enable_cluster\",\"bind_address\":\"0.0.0.0\",\"username\":\"$U\",\"password\":\"$P\",\"port\":5984,\"node_count\":3,\"remote_node\":\"couchdb$n.grid\",\"remote_current_user\":\"$U\",\"remote_current_password\":\"$P\"}"
  curl -fs -X POST -H 'Content-Type: application/json' "$C/_cluster_setup" \
    -d "{\"action\":\"add_node\",\"host\":\"couchdb$n.grid\",\"port\":5984,\"username\":\"$U\",\"password\":\"$P\"}"
done
curl -fs -X POST -H 'Content-Type: application/json' "$C/_cluster_setup" -d '{"action":"finish_cluster"}'
curl -fs "$C/_membership"
