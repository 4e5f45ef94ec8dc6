"""The WeCom (企业微信) door: a self-built application's callback and message API, beside the Telegram door.

It calls the same use cases as `bot/` and renders their typed outcomes as WeCom messages and template
cards (docs/architecture.md "The house: one core, many doors"). Nothing in the product imports the WeCom
sandbox; the sandbox plays WeCom for tests, the demo and the benches.
"""
