#!/usr/bin/env escript
%% Erlang's own encoder for gatewatch's tests: reads one Erlang term per line on stdin (written in
%% Erlang's syntax, ending with a dot) and prints each as term_to_binary would send it, in base64,
%% one per line. The first argument picks the options: "default" (this release's defaults) or
%% "minor2" (atoms as UTF-8 atoms, as releases from OTP 26 on write them by default).
main([Mode]) ->
    Options = case Mode of
                  "default" -> [];
                  "minor2" -> [{minor_version, 2}]
              end,
    loop(Options).

loop(Options) ->
    case io:get_line("") of
        eof -> ok;
        Line ->
            {ok, Tokens, _} = erl_scan:string(string:trim(Line)),
            {ok, Term} = erl_parse:parse_term(Tokens),
            io:format("~s~n", [base64:encode(term_to_binary(Term, Options))]),
            loop(Options)
    end.
