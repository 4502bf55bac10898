// The drill's chat side: the lab's Telegram Bot API and model stand-ins on loopback, one bot per
// gateway (the product requires different bot tokens for the primary and the standby), and the
// gateways' OpenClaw configs from the droplet's renderer as lab/telegram-gateway.ts writes them.
import { DmProbe } from '../../lab/dm-probe.js';
import { ModelProvider } from '../../lab/model-provider.js';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import { TelegramGateway } from '../../lab/telegram-gateway.js';

export type GatewayName = 'primary' | 'standby';

/** Lab-only values: the stand-ins accept them, no real Telegram bot or gateway has them. */
const BOT_TOKENS: Record<GatewayName, string> = {
  primary: '200001:drill-primary-bot-token-aaaaaaaa',
  standby: '200002:drill-standby-bot-token-bbbbbbbb',
};
/** Both gateways' gateway.auth.token; the warm standby's is also the bearer of its admin RPC. */
export const GATEWAY_TOKEN = 'drill-gateway-token-0123456789abcdef';
/** The allowlisted owner who DMs the bots. */
export const OWNER = 4242;
export const MODEL_REPLY = 'The lab model answers.';
/** The user's rhythm while waiting for an answer (issue 10: a DM every 0.5 s). */
export const DM_INTERVAL_MS = 500;

export class DrillChannels {
  private constructor(
    readonly api: TelegramBotApi,
    readonly model: ModelProvider,
  ) {}

  static async start(): Promise<DrillChannels> {
    const api = await TelegramBotApi.start();
    let model: ModelProvider;
    try {
      model = await ModelProvider.start(MODEL_REPLY);
    } catch (err) {
      await api.close();
      throw err;
    }
    api.addBot(BOT_TOKENS.primary, 'drill_primary_bot');
    api.addBot(BOT_TOKENS.standby, 'drill_standby_bot');
    return new DrillChannels(api, model);
  }

  token(name: GatewayName): string {
    return BOT_TOKENS[name];
  }

  /**
   * Writes the gateway's openclaw.json into dir (the standby's renderer output plus the lab's
   * apiRoot and model provider) and returns the command and environment that start it. Without
   * `channelSwitch` its channel is enabled: it answers from its start (the primary, a cold
   * standby). With it, the channel's `enabled` lives in that file, written off: a warm standby,
   * whose monitor turns it on.
   */
  gateway(
    name: GatewayName,
    dir: string,
    port: number,
    channelSwitch?: string,
  ): { command: string[]; env: Record<string, string> } {
    return new TelegramGateway({
      dir,
      port,
      botToken: BOT_TOKENS[name],
      allowFrom: [OWNER],
      apiRoot: this.api.apiRoot,
      modelBaseUrl: this.model.baseUrl,
      channelEnabled: channelSwitch === undefined,
      gatewayToken: GATEWAY_TOKEN,
      ...(channelSwitch === undefined ? {} : { channelSwitch }),
    }).command;
  }

  /** The owner DMs the gateway's bot every 0.5 s from now until it answers. */
  probe(name: GatewayName, timeoutMs: number): DmProbe {
    return new DmProbe(this.api, BOT_TOKENS[name], OWNER, {
      intervalMs: DM_INTERVAL_MS,
      timeoutMs,
      text: `anyone there? (to the ${name} bot)`,
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.api.close(), this.model.close()]);
  }
}
