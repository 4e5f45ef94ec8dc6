"""The zh-CN catalogue and the renderers that turn outcomes into words, shared by every door."""
