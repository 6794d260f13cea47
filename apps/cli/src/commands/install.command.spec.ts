import { withServiceName } from './install.command';

const config = JSON.stringify({ type: 'object', properties: { service: { type: 'object', properties: { name: { type: 'string', default: 'hello-world' } } } } });

describe('install --name names the service in its options too', () => {
  it('sets service.name when the package has that option and the options do not give it', () => {
    expect(withServiceName({ hello: { count: 2 } }, 'hello-2', config)).toEqual({ hello: { count: 2 }, service: { name: 'hello-2' } });
    expect(withServiceName({ service: { user: 'nobody' } }, 'hello-2', config)).toEqual({ service: { user: 'nobody', name: 'hello-2' } });
  });

  it('leaves the options alone without --name, without the option, or when they name the service themselves', () => {
    expect(withServiceName({}, undefined, config)).toEqual({});
    expect(withServiceName({}, 'x', JSON.stringify({ type: 'object', properties: {} }))).toEqual({});
    expect(withServiceName({ service: { name: 'mine' } }, 'x', config)).toEqual({ service: { name: 'mine' } });
    expect(withServiceName({}, 'x', '{not json')).toEqual({});
  });
});
