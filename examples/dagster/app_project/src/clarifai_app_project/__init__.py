"""A dg project using clarifai-connector's ClarifaiAppComponent (see ../../README.md)."""
