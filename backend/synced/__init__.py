"""What the server keeps of every synced worker document, and the verdicts it composes
from that: the layer both the replication engine and the features stand on."""
