"""Local AWS emulation for the local stack: ministack on 127.0.0.1, deployed with the SAM CLI."""
