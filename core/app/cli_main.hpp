#pragma once
// The entry point of libconventiond_cli.so: the whole command line (every subcommand).
// A C symbol, looked up by main.cpp with dlsym; exceptions never leave it.
extern "C" int conventiond_cli_main(int argc, char** argv);

// Its name, for dlsym.
inline constexpr const char* kConventiondCliMain = "conventiond_cli_main";
