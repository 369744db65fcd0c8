using Tranche.Cli;

return await TrancheCli.RunAsync(args, CliEnvironment.System);
