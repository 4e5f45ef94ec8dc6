"""Evidence files: a durable content-addressed store and media inspection.

Import the submodules directly (``liuhen.evidence.store``, ``liuhen.evidence.inspect``); importing this
package does no work and pulls in neither Pillow nor the store.
"""
