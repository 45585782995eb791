"""The register of sites grid workers inspect, high-risk ones above all."""
