"""py_aiohttp: asyncio + aiohttp on the standard event loop (aiohttp_common)."""

import aiohttp_common

if __name__ == "__main__":
    aiohttp_common.main()
