@echo off
rem The installed app's `portolan` command (Windows): runs Portolan's CLI with the app's own
rem executable in CLI mode, without a window (no ELECTRON_RUN_AS_NODE: the runAsNode fuse is off).
rem It lives in the app's resources\bin; add that folder to PATH to use it.
"%~dp0..\..\Portolan.exe" --portolan-cli %*
