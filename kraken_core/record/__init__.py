"""The MongoDB record, compatible with AlphaKraken's database: all access goes through pymongo."""
